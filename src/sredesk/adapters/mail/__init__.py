"""Carry e-mail in and out: parsing, archives, IMAP, LMTP and SMTP."""
