"""Open Contracting Data Standard (OCDS) packages as Contracts Finder and Find a Tender publish
them: reading and checking a release or record package (reading.py) and turning each
contracting process into an opportunity's fields (mapping.py). Pure: no Flask, no database."""
