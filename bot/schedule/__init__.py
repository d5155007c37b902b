"""When campaigns run: triggers, timing, the scheduler and the worker loop."""
