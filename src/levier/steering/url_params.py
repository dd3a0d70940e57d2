"""Examples of this app's URL parameters for an organisation (the isolation test fills routes with them).

Filled by the pages of the steering app (targets, buyer objectives, spend imports, supplier matches).
"""
