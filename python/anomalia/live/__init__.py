"""The live stack: a simulator feeding a store, ``anomalia stream`` scoring it, alerts."""
