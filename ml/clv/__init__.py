"""Customer lifetime value: BG/NBD purchases and Gamma-Gamma spend, a holdout and the oracle beside them."""
