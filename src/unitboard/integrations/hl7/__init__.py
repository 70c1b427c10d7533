"""HL7 v2: the EHR's ADT feed read into commands, and the acknowledgements it gets back."""
