kubectl autoscale deployment web --min=2 --max=5 --cpu-percent=80
