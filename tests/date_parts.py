"""Form data as a browser posts a date typed in the day / month / year inputs."""


def date_parts(value, name: str = "date_of_birth") -> dict:
    """`1984-03-09` (or that date) under `name` -> the three inputs (`9`, `3`, `1984`); empty -> empty inputs."""
    if not value:
        return {f"{name}_day": "", f"{name}_month": "", f"{name}_year": ""}
    year, month, day = str(value).split("-")
    return {f"{name}_day": str(int(day)), f"{name}_month": str(int(month)), f"{name}_year": year}


def with_date_parts(data: dict, name: str = "date_of_birth") -> dict:
    """`data` with an ISO date under `name` split into the three inputs."""
    if name not in data:
        return data
    data = dict(data)
    return {**data, **date_parts(data.pop(name), name)}
