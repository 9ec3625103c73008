"""What every analysis of a sweep shares: the metric catalogue, the results read back, the document written."""
