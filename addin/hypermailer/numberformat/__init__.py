"""Excel number formats: parse their sections and render numbers, dates and times in them."""
