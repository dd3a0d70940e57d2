"""Django app exposing the rules core's reference data to the terminal and the web (refdata, classify, frame, hours)."""
