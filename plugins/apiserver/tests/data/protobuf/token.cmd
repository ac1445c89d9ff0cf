kubectl create token robot --duration=1h --audience=https://kubernetes.default.svc --bound-object-kind=Pod --bound-object-name=web-0 --bound-object-uid=1b4e28ba-2fa1-11d2-883f-0016d3cca427
