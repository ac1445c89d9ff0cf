kubectl create cronjob tick --image=busybox:1.36 --schedule='*/5 * * * *' --restart=Never -- date
