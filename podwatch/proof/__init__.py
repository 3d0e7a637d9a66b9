"""The proof: the artwork on the product in the order's colour, with the order and every finding in words."""
