"""Sources of dry (unplaced, mono) audio per object: procedural/, later library/ and neural/."""
