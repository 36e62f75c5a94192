"""Reverse and forward geocoding over a GeoNames places database (see schema.py for the format)."""
