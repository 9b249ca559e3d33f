"""The cold chain: equipment, temperature readings and logger reports, excursions that hold exposed stock."""
