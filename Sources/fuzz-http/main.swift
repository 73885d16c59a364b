import FuzzTargets

FuzzDriver.main(FuzzTargets.http)
