"""How long siyu-bot keeps what it stores, trimming by age, and erasing one customer on request (PIPL)."""
