"""The review desk: a local web page over review/, approved/ and rejected/ acting by the seller's own moves."""
