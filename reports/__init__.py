"""Reports: the PDF negotiation brief, built from a stored forecast result."""
