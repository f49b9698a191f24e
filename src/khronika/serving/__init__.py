"""The HTTP API and the map page over a Khronika store (``khronika serve``)."""
