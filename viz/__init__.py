"""The what-if studio: a Solara app over the OrgStack simulation (``make ui``)."""
