"""Shop order files (Etsy, Shopify, WooCommerce) turned into podwatch orders, and their uploads fetched."""
