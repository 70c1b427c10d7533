"""How unitboard talks with the hospital's other systems."""
