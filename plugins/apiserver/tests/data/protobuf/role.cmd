kubectl create role reader --verb=get,list,watch --resource=pods,deployments.apps --resource-name=web
