"""Membership staff screens: member search and files, cheques, cancellations, waivers."""
