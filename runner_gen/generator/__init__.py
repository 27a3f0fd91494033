"""The build pipeline: load definitions, validate the graph, read annotations, render, write."""
