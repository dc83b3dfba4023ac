"""Record linkage on tokens: Splink settings, the run, stable keys' evaluation."""
