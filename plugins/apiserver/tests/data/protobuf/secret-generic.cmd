kubectl create secret generic creds --from-literal=user=admin --from-literal=password=s3cr3t!
