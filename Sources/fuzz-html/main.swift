import FuzzTargets

FuzzDriver.main(FuzzTargets.html)
