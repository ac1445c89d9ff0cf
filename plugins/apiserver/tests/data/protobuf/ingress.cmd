kubectl create ingress web --class=nginx --default-backend=fallback:http --rule=example.com/=web:80 --rule=example.com/api*=api:8080,tls=example-cert
