"""A test client for the JSON API: one organisation's routes, as one user with a fresh bearer token."""

from levier.accounts.services import create_api_token


class Api:
    def __init__(self, client, user, org_slug):
        _token, raw = create_api_token(user, "tests")
        self.client, self.headers, self.base = (
            client,
            {"Authorization": f"Bearer {raw}"},
            f"/api/v1/orgs/{org_slug}",
        )

    def get(self, path, **params):
        return self.client.get(self.base + path, params, headers=self.headers)

    def post(self, path, payload):
        return self.client.post(
            self.base + path, payload, content_type="application/json", headers=self.headers
        )

    def patch(self, path, payload):
        return self.client.patch(
            self.base + path, payload, content_type="application/json", headers=self.headers
        )

    def delete(self, path):
        return self.client.delete(self.base + path, headers=self.headers)
