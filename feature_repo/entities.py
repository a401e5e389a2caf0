from feast import Entity, ValueType

user = Entity(name="user", join_keys=["user_id"], value_type=ValueType.STRING, description="A shopper (pseudonymised for real data).")
product = Entity(name="product", join_keys=["product_id"], value_type=ValueType.STRING, description="A catalogue item.")
