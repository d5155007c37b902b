"""When campaigns run: cron checks, timing, the scheduler and the worker loop."""
