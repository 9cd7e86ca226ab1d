"""A bounded load test of Helping Hands against Rasa's starter assistant: `make bench`.

__main__.py runs it; stats.py and report.py are the pure arithmetic and the printed report;
load.py the simulated users and messages.yml what they say; systems.py the two assistants;
servers.py and memory.py their processes and peak memory.
"""
