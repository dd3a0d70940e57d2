"""Django app exposing the rules core's reference data to the terminal and the web.

Commands: refdata, classify, frame, hours; page: the status of loaded reference data.
"""
