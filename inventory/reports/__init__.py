"""Monthly reports: vaccine usage and wastage, stock movement, immunization results; submission."""
