"""The WeChat Official Account (微信公众号, 服务号) channel: callbacks, API client, transport."""
