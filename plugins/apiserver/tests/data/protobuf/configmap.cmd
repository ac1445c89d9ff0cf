kubectl create configmap settings --from-literal=mode=fast --from-literal=level=3 --from-file=blob={binary_file}
