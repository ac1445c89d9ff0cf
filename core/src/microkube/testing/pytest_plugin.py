"""pytest plugin (entry point ``pytest11``): fixtures for microkube plugin authors."""
