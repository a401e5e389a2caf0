"""Customer segmentation: RFM-style behaviour features, k-means with ids stable across refits, names, reports."""
