import FuzzTargets

FuzzDriver.main(FuzzTargets.decompress)
