kubectl create namespace team-a
