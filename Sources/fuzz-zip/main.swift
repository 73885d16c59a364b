import FuzzTargets

FuzzDriver.main(FuzzTargets.zip)
