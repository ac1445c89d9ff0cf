"""The HTTP side: aiohttp application, routing, bodies, responses, watch streaming."""
