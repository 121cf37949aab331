"""Data rights: export and erasure. The top layer of coaching: it may read what other apps
keep about a client, through the providers registered in ``coaching.hooks``."""
