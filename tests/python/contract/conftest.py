import sys
from pathlib import Path

# golden.py builds the fixtures and is imported by the tests beside it.
sys.path.insert(0, str(Path(__file__).parent))
