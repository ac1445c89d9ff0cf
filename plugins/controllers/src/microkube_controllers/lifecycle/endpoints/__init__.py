"""The endpointslice and endpoints controllers: the pods behind each Service with a selector."""
