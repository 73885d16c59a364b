import FuzzTargets

FuzzDriver.main(FuzzTargets.warc)
