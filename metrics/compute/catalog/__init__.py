"""compute/catalog"""
