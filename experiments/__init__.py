"""Named experiments built on the OrgStack simulation."""
