kubectl create job hello --image=busybox:1.36 -- echo hi
