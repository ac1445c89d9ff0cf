kubectl create pdb web-pdb --selector=app=web --min-available=50%
