"""The applications on top of the graph: the `shoplens` CLI and the drift scenario (later the
serving API). They share one runner; nothing below imports them."""
